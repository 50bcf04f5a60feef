/** Ids the suite checks against (FACTS.md), kept apart from the action's own constants on purpose. */
export const EXCHANGE_ROLE_ID = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
export const EXCHANGE_ADMINISTRATOR = '29232cdf-9323-42fd-ade2-1d097af3e4de'
export const DEFAULT_APP_NAME = 'EXO Background Process'
