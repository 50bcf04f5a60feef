// Entry used by the crash tests: records this process's id, so the test can SIGKILL the
// action at an exact point (right after a given write), then runs the real entry.
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

writeFileSync(process.env.RELIABILITY_PID_FILE, String(process.pid))
await import(pathToFileURL(process.env.RELIABILITY_ENTRY).href)
