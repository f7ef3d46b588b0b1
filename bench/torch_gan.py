#!/usr/bin/python3
"""The PyTorch reference for `npm run bench`: wasmgan's default GAN in PyTorch.

G 100->128->128->784 (LeakyReLU 0.2, tanh), D 784->128->128->1 (LeakyReLU 0.2,
logit), BCEWithLogitsLoss, the non-saturating generator loss, Adam(2e-4,
betas=(0.5, 0.999), eps=1e-8) for each network, He-uniform / Glorot-uniform
weights and zero biases. One step: D on a real batch and a detached fake batch,
then G through the updated D, written the way PyTorch users write it.

One thread: OMP/OpenBLAS threads are pinned to 1 before torch is imported and
torch.set_num_threads(1). Which BLAS library the process actually mapped is
reported (Debian's torch links libblas.so.3, which the alternatives system
points at the reference BLAS or at OpenBLAS).

It speaks the benchmark runners' protocol: one JSON request per stdin line,
one reply per stdout line prefixed with "@@bench ".
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import gzip  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

DATA_ROWS = 10000


def blas_libraries():
    """The BLAS/LAPACK shared objects mapped into this process, resolved."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if "/" in line else ""
            name = os.path.basename(path)
            if any(key in name for key in ("blas", "lapack", "mkl")):
                found.add(os.path.realpath(path))
    return sorted(found)


def load_images(data_dir, rows):
    with gzip.open(os.path.join(data_dir, "train-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    count = int.from_bytes(raw[4:8], "big")
    h = int.from_bytes(raw[8:12], "big")
    w = int.from_bytes(raw[12:16], "big")
    n = min(rows, count)
    pixels = torch.frombuffer(bytearray(raw[16 : 16 + n * h * w]), dtype=torch.uint8)
    return pixels.reshape(n, h * w).float() / 127.5 - 1.0


def mlp(sizes, out_act):
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        lin = nn.Linear(a, b)
        leaky = i + 2 < len(sizes)
        bound = math.sqrt(6 / ((1 + 0.2**2) * a)) if leaky else math.sqrt(6 / (a + b))
        nn.init.uniform_(lin.weight, -bound, bound)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        layers.append(nn.LeakyReLU(0.2) if leaky else out_act)
    return nn.Sequential(*layers)


class Subject:
    def __init__(self, kind, batch, data, seed=1):
        torch.manual_seed(seed)
        self.kind, self.batch, self.data = kind, batch, data
        self.G = mlp([100, 128, 128, 784], nn.Tanh())
        self.D = mlp([784, 128, 128, 1], nn.Identity())
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
        self.loss = nn.BCEWithLogitsLoss()
        self.ones = torch.ones(batch, 1)
        self.zeros = torch.zeros(batch, 1)
        self.perm = None
        self.cursor = data.shape[0]

    def real_batch(self):
        n = self.data.shape[0]
        if self.cursor + self.batch > n:
            self.perm = torch.randperm(n)
            self.cursor = 0
        idx = self.perm[self.cursor : self.cursor + self.batch]
        self.cursor += self.batch
        return self.data.index_select(0, idx)

    def step(self):
        real = self.real_batch()
        z = self.noise()
        fake = self.G(z)
        self.opt_d.zero_grad(set_to_none=True)
        loss_d = self.loss(self.D(real), self.ones) + self.loss(self.D(fake.detach()), self.zeros)
        loss_d.backward()
        self.opt_d.step()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g = self.loss(self.D(fake), self.ones)
        loss_g.backward()
        self.opt_g.step()
        return loss_d.item(), loss_g.item()

    def noise(self):
        return torch.randn(self.batch, 100)

    def sample(self):
        with torch.no_grad():
            return self.G(torch.randn(self.batch, 100))

    def run(self):
        return self.step() if self.kind == "torch-step" else self.sample()


def replay(weights0, reals, zs):
    """Replays a recorded run (bench/tfjs.mjs traceTfjsGan): the same initial
    weights ([W1, b1, W2, b2, W3, b3] of G then D, each W row-major
    in x out), then per step the given real batch and z in Subject.step's
    code. Returns the losses per step and the weights at the end, laid out
    like the input."""
    batch = len(zs[0]) // 100
    s = Subject("torch-step", batch, torch.zeros(batch, 784))
    linears = [m for net in (s.G, s.D) for m in net if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, lin in enumerate(linears):
            out_f, in_f = lin.weight.shape
            lin.weight.copy_(torch.tensor(weights0[2 * i], dtype=torch.float32).reshape(in_f, out_f).t())
            lin.bias.copy_(torch.tensor(weights0[2 * i + 1], dtype=torch.float32))
    losses = []
    for real, z in zip(reals, zs):
        s.real_batch = lambda real=real: torch.tensor(real, dtype=torch.float32).reshape(batch, 784)
        s.noise = lambda z=z: torch.tensor(z, dtype=torch.float32).reshape(batch, 100)
        losses.append(list(s.step()))
    weights = []
    for lin in linears:
        weights.append(lin.weight.detach().t().reshape(-1).tolist())
        weights.append(lin.bias.detach().tolist())
    return {"losses": losses, "weights": weights}


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    data = None
    subjects = {}

    def reply(obj):
        sys.stdout.write("@@bench " + json.dumps(obj) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        try:
            op = msg["op"]
            if op == "hello":
                result = {
                    "runtime": "python",
                    "version": sys.version.split()[0],
                    "torch": torch.__version__,
                    "threads": torch.get_num_threads(),
                    "blas": blas_libraries(),
                }
            elif op == "setup":
                if data is None:
                    data = load_images(data_dir, DATA_ROWS)
                s = Subject(msg["kind"], msg["batch"], data, msg.get("seed", 1))
                t0 = time.perf_counter()
                i = 0
                while i < 3 or time.perf_counter() - t0 < msg.get("warmMs", 400) / 1000:
                    s.run()
                    i += 1
                subjects[msg["key"]] = s
                result = {"blas": blas_libraries()}
            elif op == "window":
                s = subjects[msg["key"]]
                c0, t0 = time.process_time(), time.perf_counter()
                units, t = 0, t0
                while units < msg.get("minUnits", 1) or (t - t0) * 1000 < msg["ms"]:
                    s.run()
                    units += 1
                    t = time.perf_counter()
                result = {"units": units, "wallMs": (t - t0) * 1000, "cpuMs": (time.process_time() - c0) * 1000}
            elif op == "replay":
                result = replay(msg["weights0"], msg["reals"], msg["zs"])
            elif op == "dispose":
                subjects.pop(msg["key"], None)
                result = {}
            else:
                raise ValueError("unknown op " + op)
            reply({"id": msg["id"], "ok": True, "result": result})
        except Exception as e:  # reported to the orchestrator, which decides
            reply({"id": msg.get("id"), "ok": False, "error": repr(e)})


if __name__ == "__main__":
    main()
