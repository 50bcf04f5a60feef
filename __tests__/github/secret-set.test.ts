/**
 * Issue 21, point 3: the secret set names where a pipeline keeps its certificate, so runs
 * sharing one app revoke only their own. Runs writing the same secrets share a set; runs
 * writing different secrets never do.
 */
import { describe, expect, it } from '@jest/globals'
import { earlierFederatedCredentialsOf, secretSetOf, SECRET_SET_ID_PATTERN } from '../../src/github/secret-set.js'

const jobs = { owner: 'contoso', repo: 'exo-jobs' }
const reports = { owner: 'contoso', repo: 'exo-reports' }

describe('secretSetOf', () => {
  it('is 8 hex digits, the same for the same secrets whatever the case of names GitHub compares without case', () => {
    const set = secretSetOf({ target: 'environment', environment: 'prod', prefix: 'EXO_', repository: jobs })
    expect(set.id).toMatch(SECRET_SET_ID_PATTERN)
    expect(secretSetOf({ target: 'environment', environment: 'Prod', prefix: 'exo_', repository: { owner: 'Contoso', repo: 'EXO-Jobs' } }).id).toBe(set.id)
    expect(set.description).toBe('environment prod secrets of contoso/exo-jobs, prefix EXO_')
  })

  it('differs for every other place the certificate is kept', () => {
    const ids = [
      secretSetOf({ target: 'repository', prefix: 'EXO_', repository: jobs }),
      secretSetOf({ target: 'repository', prefix: 'EXO_', repository: reports }),
      secretSetOf({ target: 'repository', prefix: 'PROD_EXO_', repository: jobs }),
      secretSetOf({ target: 'environment', environment: 'prod', prefix: 'EXO_', repository: jobs }),
      secretSetOf({ target: 'environment', environment: 'test', prefix: 'EXO_', repository: jobs }),
      secretSetOf({ target: 'organization', prefix: 'EXO_', repository: jobs }),
      secretSetOf({ target: 'none', prefix: 'EXO_', repository: jobs }),
      secretSetOf({ target: 'none', prefix: 'EXO_', repository: undefined })
    ].map(set => set.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('organization secrets are one set for every repository that writes them', () => {
    expect(secretSetOf({ target: 'organization', prefix: 'EXO_', repository: jobs }).id).toBe(secretSetOf({ target: 'organization', prefix: 'EXO_', repository: reports }).id)
    expect(secretSetOf({ target: 'organization', prefix: 'EXO_', repository: jobs }).description).toBe('organization secrets of contoso, prefix EXO_')
  })

  it('secret-target none: the repository and the prefix (the workflow keeps the PFX itself)', () => {
    expect(secretSetOf({ target: 'none', prefix: 'EXO_', repository: jobs }).description).toBe('kept by the workflow (secret-target: none) in contoso/exo-jobs, prefix EXO_')
    expect(secretSetOf({ target: 'none', prefix: 'EXO_', repository: jobs }).id).not.toBe(secretSetOf({ target: 'none', prefix: 'OTHER_', repository: jobs }).id)
  })
})

describe("whose federated credentials of earlier versions a run counts as its own (issue 21)", () => {
  const runner = { repository: 'Contoso/EXO-Jobs', repositoryOwnerId: '5544123', repositoryId: '821093847' }

  it("the repository's own set (repository secrets, or none, under the default prefix): the repository, with the runner's ids when it runs there", () => {
    expect(earlierFederatedCredentialsOf({ target: 'repository', prefix: 'EXO_', repository: jobs }, runner)).toEqual({ ...jobs, ownerId: '5544123', repoId: '821093847' })
    expect(earlierFederatedCredentialsOf({ target: 'none', prefix: 'exo_', repository: jobs }, {})).toEqual(jobs)
    // Secrets of another repository: its name only (the runner's ids are this repository's).
    expect(earlierFederatedCredentialsOf({ target: 'repository', prefix: 'EXO_', repository: reports }, runner)).toEqual(reports)
  })

  it('environment secrets under the default prefix: the repository and the environment (its jobs present environment:<name>)', () => {
    expect(earlierFederatedCredentialsOf({ target: 'environment', environment: 'prod', prefix: 'EXO_', repository: jobs }, runner)).toEqual({ ...jobs, ownerId: '5544123', repoId: '821093847', environment: 'prod' })
    expect(earlierFederatedCredentialsOf({ target: 'environment', environment: 'prod', prefix: 'EXO_PROD_', repository: jobs }, runner)).toBeUndefined()
  })

  it('any other set: none (a sibling pipeline of the repository may have made them)', () => {
    expect(earlierFederatedCredentialsOf({ target: 'environment', prefix: 'EXO_', repository: jobs }, runner)).toBeUndefined()
    expect(earlierFederatedCredentialsOf({ target: 'organization', prefix: 'EXO_', repository: jobs }, runner)).toBeUndefined()
    expect(earlierFederatedCredentialsOf({ target: 'repository', prefix: 'EXO_PROD_', repository: jobs }, runner)).toBeUndefined()
    expect(earlierFederatedCredentialsOf({ target: 'repository', prefix: 'EXO_' }, runner)).toBeUndefined()
  })
})
