// Placeholder for `npm start` (train the classic GAN on Fashion-MNIST and
// leave a report). The training entry point replaces this file.
console.log('npm start: not yet wired')
