/**
 * Issue 21, point 1: connect mode's error when Entra finds no federated credential for this
 * job's token (src/entra/exchange-token.ts explainFederatedSignInError). It prints the command
 * that trusts the job's subject only when a reviewer guards that subject (the default branch,
 * an environment outside pull requests); never for a feature branch or a pull request.
 */
import { describe, expect, it } from '@jest/globals'
import { explainFederatedSignInError } from '../../src/entra/exchange-token.js'
import type { JobFacts } from '../../src/runner/github-event.js'

const SIGN_IN = { tenantId: 'contoso.onmicrosoft.com', appId: '00000000-0000-0000-0000-0000000000a1', audience: 'api://AzureADTokenExchange' }
const ISSUER = 'https://token.actions.githubusercontent.com'
const ON_MAIN: JobFacts = { eventName: 'push', ref: 'refs/heads/main', defaultBranch: 'main', repository: 'contoso/exo-jobs' }
const unmatched = (): Error => new Error('AADSTS700213: No matching federated identity record found for presented assertion subject')
const explain = (subject: string, facts: JobFacts): string => explainFederatedSignInError(unmatched(), SIGN_IN, { token: 'x', subject, issuer: ISSUER }, facts).message

describe('connect mode: a job whose token the Exchange app does not trust', () => {
  it('on the default branch: the exact subject and the command that adds it', () => {
    const subject = 'repo:contoso/exo-jobs:ref:refs/heads/main'
    const message = explain(subject, ON_MAIN)
    expect(message).toContain(`Add '${subject}' to federated-subjects`)
    expect(message).toContain(`az ad app federated-credential create --id ${SIGN_IN.appId} --parameters '{"name":"exo-jobs","issuer":"${ISSUER}","subject":"${subject}","audiences":["api://AzureADTokenExchange"]}'`)
  })

  it('in an environment, outside pull requests: the same', () => {
    expect(explain('repo:contoso/exo-jobs:environment:prod', { ...ON_MAIN, ref: 'refs/heads/feature' })).toContain("Add 'repo:contoso/exo-jobs:environment:prod' to federated-subjects")
  })

  it.each([
    ['a feature branch', 'repo:contoso/exo-jobs:ref:refs/heads/feature', { ...ON_MAIN, ref: 'refs/heads/feature' }, /runs on refs\/heads\/feature, not on the default branch refs\/heads\/main.*anyone who can push a branch/],
    ['a pull request\'s merge ref', 'repo:contoso/exo-jobs:ref:refs/pull/1/merge', { ...ON_MAIN, eventName: 'pull_request', ref: 'refs/pull/1/merge' }, /pull-request jobs should not sign in to Exchange Online/],
    ['a pull_request_target job (customized template)', 'repo:contoso/exo-jobs:event_name:pull_request_target', { ...ON_MAIN, eventName: 'pull_request_target' }, /pull-request jobs should not sign in/],
    ['a reusable workflow from a pull request', 'repo:contoso/exo-jobs:job_workflow_ref:contoso/exo-jobs/.github/workflows/exo.yml@refs/pull/3/merge', ON_MAIN, /pull-request jobs should not sign in/],
    ['an environment job for a pull request', 'repo:contoso/exo-jobs:environment:prod', { ...ON_MAIN, eventName: 'pull_request', ref: 'refs/pull/1/merge' }, /even in environment 'prod'/]
  ])('%s: told to use an environment, never to add its subject', (_what, subject, facts, why) => {
    const message = explain(subject, facts)
    expect(message).toMatch(why)
    expect(message).toContain('environment that has required reviewers')
    expect(message).not.toContain(`Add '${subject}'`)
    expect(message).not.toContain('federated-credential create')
  })

  it('names the repository as the subject writes it, immutable ids included', () => {
    const message = explain('repo:contoso@59/exo-jobs@74:ref:refs/pull/1/merge', ON_MAIN)
    expect(message).toContain('repo:contoso@59/exo-jobs@74:environment:NAME')
  })
})
