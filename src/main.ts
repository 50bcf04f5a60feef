/**
 * The action's main step: read the settings once, then run the mode's pipeline.
 * Every failure ends here: a UserError is reported as its sentence, anything else as a
 * bug with its stack.
 */
import * as core from '@actions/core'
import { checkConnectScriptPath } from './connect-files.js'
import { UserError } from './errors.js'
import { recordPhase } from './runner/step-timings.js'
import { readSettings, type InputSource } from './settings.js'

/** The runner's inputs (INPUT_<NAME>), and its masking command. */
export const actionInputs: InputSource = {
  get: name => core.getInput(name),
  mask: value => core.setSecret(value)
}

export async function run(source: InputSource = actionInputs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Logged at the end: nothing may print before the inputs' secrets are masked.
  const started = performance.now()
  try {
    const now = new Date()
    const { settings, warnings } = readSettings(source, env, now)
    for (const warning of warnings) core.warning(warning)
    if (!settings.dryRun) await checkConnectScriptPath(settings.connectScriptPath)
    // Each mode loads only its own code: the everyday connect job never parses the Graph,
    // Entra sign-in and GitHub secrets libraries that provisioning needs.
    if (settings.mode === 'connect') {
      const { runConnect } = await import('./connect.js')
      await runConnect(settings, now)
    } else {
      const { runProvision } = await import('./provision.js')
      await runProvision(settings, now)
    }
  } catch (error) {
    if (error instanceof UserError) {
      core.setFailed(error.message)
    } else {
      const err = error as Error
      core.setFailed(`Unexpected error: ${err?.stack ?? String(error)}\nPlease report it with this log at https://github.com/org/exo-cba-action/issues.`)
    }
  } finally {
    recordPhase('start-up', started)
    recordPhase('run', performance.now() - started)
  }
}
