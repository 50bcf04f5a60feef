/**
 * Issue 21, point 1: which GitHub OIDC subjects a pull request or an unreviewed branch could
 * present, in both of GitHub's subject forms (name-only, and `repo:OWNER@ID/REPO@ID:…` for
 * repositories created or renamed on or after 2026-07-15), and the warnings about trusts that
 * are wider than they look.
 */
import { describe, expect, it } from '@jest/globals'
import { scopeOfSubject, trustWarnings, unprotectedDefaultSubject, type TrustToReview } from '../../src/entra/subject-scope.js'
import type { JobFacts } from '../../src/runner/github-event.js'

const GITHUB = 'https://token.actions.githubusercontent.com'
const ON_MAIN: JobFacts = { eventName: 'push', ref: 'refs/heads/main', defaultBranch: 'main', repository: 'contoso/exo-jobs', repositoryOwnerId: '59', repositoryId: '74' }

describe('scopeOfSubject reads both subject forms', () => {
  it.each([
    ['repo:contoso/exo-jobs:environment:prod', { owner: 'contoso', name: 'exo-jobs' }, { kind: 'environment', name: 'prod' }],
    ['repo:contoso@59/exo-jobs@74:environment:prod', { owner: 'contoso', name: 'exo-jobs', ownerId: '59', repositoryId: '74' }, { kind: 'environment', name: 'prod' }],
    ['repo:contoso/exo-jobs:pull_request', { owner: 'contoso', name: 'exo-jobs' }, { kind: 'pull-request' }],
    ['repo:contoso@59/exo-jobs@74:pull_request', { owner: 'contoso', name: 'exo-jobs', ownerId: '59', repositoryId: '74' }, { kind: 'pull-request' }],
    ['repo:contoso/exo-jobs:ref:refs/heads/main', { owner: 'contoso', name: 'exo-jobs' }, { kind: 'ref', ref: 'refs/heads/main' }],
    ['repo:contoso@59/exo-jobs@74:ref:refs/tags/v1', { owner: 'contoso', name: 'exo-jobs', ownerId: '59', repositoryId: '74' }, { kind: 'ref', ref: 'refs/tags/v1' }],
    // A customized template that includes the event name still shows a pull request.
    ['repo:contoso/exo-jobs:event_name:pull_request', { owner: 'contoso', name: 'exo-jobs' }, { kind: 'pull-request' }]
  ])('%s', (subject, repository, context) => {
    expect(scopeOfSubject(subject)).toEqual({ repository, context })
  })

  it('a subject of another shape has no repository and an unknown context', () => {
    expect(scopeOfSubject('repository_owner:contoso:workflow:exo')).toEqual({ context: { kind: 'other' } })
  })
})

describe('the default subject (this job\'s own) is refused when a pull request or an unreviewed branch could present it', () => {
  it.each([
    ['a pull-request job', 'repo:contoso/exo-jobs:pull_request', { ...ON_MAIN, eventName: 'pull_request', ref: 'refs/pull/7/merge' }, /runs for a pull request.*anyone who can open a pull request/],
    ['a pull-request job, immutable form', 'repo:contoso@59/exo-jobs@74:pull_request', { ...ON_MAIN, eventName: 'pull_request' }, /pull request/],
    // pull_request_target runs in the base branch's context, so its subject is the default branch's.
    ['pull_request_target on main', 'repo:contoso/exo-jobs:ref:refs/heads/main', { ...ON_MAIN, eventName: 'pull_request_target' }, /event pull_request_target/],
    ['pull_request_review', 'repo:contoso/exo-jobs:ref:refs/heads/main', { ...ON_MAIN, eventName: 'pull_request_review' }, /pull request/],
    ['a feature branch', 'repo:contoso/exo-jobs:ref:refs/heads/feature', { ...ON_MAIN, ref: 'refs/heads/feature' }, /runs on refs\/heads\/feature, not on the default branch refs\/heads\/main.*anyone who can push a branch/],
    ['a tag', 'repo:contoso/exo-jobs:ref:refs/tags/v1', { ...ON_MAIN, ref: 'refs/tags/v1' }, /refs\/tags\/v1, not on the default branch/],
    ['no event payload (default branch unknown)', 'repo:contoso/exo-jobs:ref:refs/heads/main', { eventName: 'workflow_dispatch', ref: 'refs/heads/main' }, /could not be confirmed to be the default branch's/]
  ])('%s', (_what, subject, job, reason) => {
    expect(unprotectedDefaultSubject(subject, job)).toMatch(reason)
  })

  it.each([
    ['a push to the default branch', 'repo:contoso/exo-jobs:ref:refs/heads/main', ON_MAIN],
    ['the same, immutable form', 'repo:contoso@59/exo-jobs@74:ref:refs/heads/main', ON_MAIN],
    ['a scheduled run (its payload names no repository; it runs on the default branch)', 'repo:contoso/exo-jobs:ref:refs/heads/main', { eventName: 'schedule', ref: 'refs/heads/main' }],
    ['an environment job on a feature branch', 'repo:contoso/exo-jobs:environment:prod', { ...ON_MAIN, ref: 'refs/heads/feature' }],
    ['an environment job for a pull request', 'repo:contoso@59/exo-jobs@74:environment:prod', { ...ON_MAIN, eventName: 'pull_request' }]
  ])('accepted: %s', (_what, subject, job) => {
    expect(unprotectedDefaultSubject(subject, job)).toBeUndefined()
  })
})

describe('warnings about a trust wider than it looks', () => {
  const review = (over: Partial<TrustToReview>): TrustToReview => ({ listed: [], subjects: [], issuer: GITHUB, gitHubIssuer: GITHUB, jobIssuer: GITHUB, allowUnprotected: false, ...over })

  it('none for environment subjects of this repository, in either form, from GitHub', () => {
    const subjects = ['repo:contoso/exo-jobs:environment:prod', 'repo:contoso@59/exo-jobs@74:environment:staging']
    expect(trustWarnings(review({ listed: subjects, subjects }), ON_MAIN)).toEqual([])
  })

  it('a branch subject beside an environment subject, or when this job uses an environment', () => {
    const subjects = ['repo:contoso/exo-jobs:ref:refs/heads/main', 'repo:contoso/exo-jobs:environment:prod']
    expect(trustWarnings(review({ listed: subjects, subjects }), ON_MAIN)).toEqual([expect.stringMatching(/'repo:contoso\/exo-jobs:ref:refs\/heads\/main'.*without the environment's required reviewers/)])
    const alone = ['repo:contoso/exo-jobs:ref:refs/heads/main']
    expect(trustWarnings(review({ listed: alone, subjects: alone, jobEnvironment: 'prod' }), ON_MAIN)).toHaveLength(1)
    expect(trustWarnings(review({ listed: alone, subjects: alone }), ON_MAIN)).toEqual([])
  })

  it('a subject of another repository: by name, or by immutable id (a recycled name)', () => {
    for (const subject of ['repo:fabrikam/exo-jobs:environment:prod', 'repo:contoso/other:environment:prod', 'repo:contoso@60/exo-jobs@74:environment:prod', 'repo:contoso@59/exo-jobs@75:environment:prod']) {
      expect(trustWarnings(review({ listed: [subject], subjects: [subject] }), ON_MAIN)).toEqual([expect.stringMatching(/a subject of another repository than contoso\/exo-jobs/)])
    }
    // Names compare case-insensitively, as GitHub's do.
    expect(trustWarnings(review({ listed: ['repo:Contoso/EXO-jobs:environment:prod'], subjects: ['repo:Contoso/EXO-jobs:environment:prod'] }), ON_MAIN)).toEqual([])
  })

  it('an issuer that is not GitHub\'s (or this GHES server\'s, or an enterprise\'s customized one)', () => {
    const subjects = ['repo:contoso/exo-jobs:environment:prod']
    expect(trustWarnings(review({ listed: subjects, subjects, issuer: 'https://idp.example.com' }), ON_MAIN)).toEqual([expect.stringMatching(/federated-issuer is 'https:\/\/idp\.example\.com', not GitHub's OIDC issuer/)])
    expect(trustWarnings(review({ listed: subjects, subjects, issuer: 'https://ghes.contoso.com/_services/token', gitHubIssuer: 'https://ghes.contoso.com/_services/token', jobIssuer: undefined }), ON_MAIN)).toEqual([])
    expect(trustWarnings(review({ listed: subjects, subjects, issuer: `${GITHUB}/contoso-enterprise`, jobIssuer: undefined }), ON_MAIN)).toEqual([])
  })

  it('a pull_request subject allowed on purpose is still named', () => {
    const subjects = ['repo:contoso/exo-jobs:pull_request']
    expect(trustWarnings(review({ listed: subjects, subjects, allowUnprotected: true }), ON_MAIN)).toEqual([expect.stringMatching(/federated-allow-unprotected-subjects: true.*anyone who can open a pull request/)])
  })
})
