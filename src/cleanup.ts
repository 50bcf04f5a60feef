import * as core from '@actions/core'
import { cleanup } from './post.js'

cleanup().catch((error: unknown) => {
  core.warning(`Cleanup failed: ${(error as Error).message}`)
})
