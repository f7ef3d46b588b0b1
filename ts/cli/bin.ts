/**
 * The executable: `dist/cli.js`, the package's `wasmgan` bin. Runs the
 * command line and exits with its code (process.exit, so an idle keep-alive
 * socket or timer cannot hold the process open after the work is done).
 */

import { EXIT } from './errors.js'
import { main } from './main.js'

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wasmgan: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(EXIT.internal)
  },
)
