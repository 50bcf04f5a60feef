/**
 * Issue 21, point 1: which GitHub OIDC subjects a pull request or an unreviewed branch could
 * present, in both of GitHub's subject forms (name-only, and `repo:OWNER@ID/REPO@ID:…` for
 * repositories created, renamed or transferred after July 15, 2026), and the warnings about
 * trusts that are wider than they look.
 */
import { describe, expect, it } from '@jest/globals'
import { isGitHubIssuer, sameIssuer, scopeOfSubject, subjectNamesRepository, trustWarnings, unprotectedDefaultSubject, type TrustToReview } from '../../src/entra/subject-scope.js'
import { jobIsTrusted } from '../../src/entra/trusted-subjects.js'
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

  // Whatever the template: any part that is or starts with pull_request, or a refs/pull/ ref anywhere.
  it.each([
    'repo:contoso/exo-jobs:ref:refs/pull/7/merge',
    'repo:contoso@59/exo-jobs@74:ref:refs/pull/7/head',
    'repo:contoso/exo-jobs:event_name:pull_request_target',
    'repo:contoso/exo-jobs:environment:prod:job_workflow_ref:contoso/exo-jobs/.github/workflows/exo.yml@refs/pull/3/merge',
    'repo:contoso/exo-jobs:job_workflow_ref:contoso/shared/.github/workflows/exo.yml@refs/pull/3/merge',
    'repository_owner:contoso:context:pull_request',
    'repository_owner_id:59:event_name:pull_request_review',
    'job_workflow_ref:contoso/shared/.github/workflows/exo.yml@refs/pull/3/merge'
  ])('a subject a pull request can present is pull-request: %s', subject => {
    expect(scopeOfSubject(subject).context).toEqual({ kind: 'pull-request' })
  })

  it('an environment\'s name is the repository\'s choice, not the event', () => {
    expect(scopeOfSubject('repo:contoso/exo-jobs:environment:pull_requests').context).toEqual({ kind: 'environment', name: 'pull_requests' })
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
    ['no event payload (default branch unknown)', 'repo:contoso/exo-jobs:ref:refs/heads/main', { eventName: 'workflow_dispatch', ref: 'refs/heads/main' }, /could not be confirmed to be the default branch's/],
    ['a pull request\'s merge ref', 'repo:contoso/exo-jobs:ref:refs/pull/7/merge', { ...ON_MAIN, ref: 'refs/pull/7/merge' }, /is one a pull request's job presents.*anyone who can open a pull request/],
    ['a customized template naming the event', 'repo:contoso/exo-jobs:event_name:pull_request_target', ON_MAIN, /pull request/],
    ['a reusable workflow from a pull request', 'repo:contoso/exo-jobs:job_workflow_ref:contoso/exo-jobs/.github/workflows/exo.yml@refs/pull/3/merge', ON_MAIN, /pull request/],
    ['a template without repo:', 'repository_owner:contoso:context:pull_request', ON_MAIN, /pull request/],
    // The action cannot see whether the environment has required reviewers, and the pull request may have changed the workflow.
    ['an environment job for a pull request', 'repo:contoso@59/exo-jobs@74:environment:prod', { ...ON_MAIN, eventName: 'pull_request' }, /runs for a pull request \(event pull_request\) — even in environment 'prod'.*anyone who can open a pull request/],
    ['an environment job for pull_request_target', 'repo:contoso/exo-jobs:environment:prod', { ...ON_MAIN, eventName: 'pull_request_target' }, /even in environment 'prod'/]
  ])('%s', (_what, subject, job, reason) => {
    expect(unprotectedDefaultSubject(subject, job)).toMatch(reason)
  })

  it.each([
    ['a push to the default branch', 'repo:contoso/exo-jobs:ref:refs/heads/main', ON_MAIN],
    ['the same, immutable form', 'repo:contoso@59/exo-jobs@74:ref:refs/heads/main', ON_MAIN],
    ['a scheduled run (its payload names no repository; it runs on the default branch)', 'repo:contoso/exo-jobs:ref:refs/heads/main', { eventName: 'schedule', ref: 'refs/heads/main' }],
    // Outside pull requests the environment's protection rules guard its jobs, whatever the ref.
    ['an environment job on a feature branch', 'repo:contoso/exo-jobs:environment:prod', { ...ON_MAIN, ref: 'refs/heads/feature' }],
    ['an environment job dispatched on a feature branch', 'repo:contoso/exo-jobs:environment:prod', { ...ON_MAIN, eventName: 'workflow_dispatch', ref: 'refs/heads/feature' }],
    ['a scheduled environment job', 'repo:contoso@59/exo-jobs@74:environment:prod', { eventName: 'schedule', ref: 'refs/heads/main' }]
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

  it('a renamed repository in the immutable form is this repository when its ids match: ids first, names only without ids', () => {
    const renamed = 'repo:Contoso-Old@59/renamed@74:environment:prod'
    expect(trustWarnings(review({ listed: [renamed], subjects: [renamed] }), ON_MAIN)).toEqual([])
    expect(subjectNamesRepository(renamed, { owner: 'contoso', repo: 'exo-jobs', ownerId: '59', repoId: '74' })).toBe(true)
    expect(subjectNamesRepository(renamed, { owner: 'contoso', repo: 'exo-jobs' })).toBe(false)
    expect(subjectNamesRepository('repo:contoso/exo-jobs:environment:prod', { owner: 'Contoso', repo: 'EXO-jobs', ownerId: '1', repoId: '2' })).toBe(true)
    expect(subjectNamesRepository('repository_owner:contoso', { owner: 'contoso', repo: 'exo-jobs' })).toBe(false)
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

describe('one issuer comparison', () => {
  it('scheme and host without case, the path with case, trailing slashes ignored', () => {
    expect(sameIssuer('HTTPS://Token.Actions.GitHubUserContent.com/', GITHUB)).toBe(true)
    expect(sameIssuer(`${GITHUB}/contoso`, `${GITHUB}/contoso/`)).toBe(true)
    expect(sameIssuer(`${GITHUB}/Contoso`, `${GITHUB}/contoso`)).toBe(false)
    expect(sameIssuer('https://ghes.contoso.com/_services/token', 'https://ghes.contoso.com/_Services/token')).toBe(false)
    expect(isGitHubIssuer('https://TOKEN.actions.githubusercontent.com/contoso-enterprise', GITHUB)).toBe(true)
    expect(isGitHubIssuer('https://ghes.contoso.com/_Services/token', 'https://ghes.contoso.com/_services/token')).toBe(false)
  })

  it('this job is trusted only when Entra would accept its token: the issuer exactly as the token says it', () => {
    const subject = 'repo:contoso/exo-jobs:environment:prod'
    const resolved = (issuer: string, jobIssuer: string) => ({
      federation: { subjects: [subject], issuer, audience: 'api://AzureADTokenExchange' },
      job: { token: 'x', subject, issuer: jobIssuer },
      notes: [],
      warnings: []
    })
    expect(jobIsTrusted(resolved(`${GITHUB}/contoso`, `${GITHUB}/contoso`))).toBe(true)
    expect(jobIsTrusted(resolved(`${GITHUB}/Contoso`, `${GITHUB}/contoso`))).toBe(false)
    expect(jobIsTrusted(resolved(`${GITHUB}/`, GITHUB))).toBe(false)
  })
})
