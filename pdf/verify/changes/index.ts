export { analyseChanges } from './analyse';
export { CHANGE_RULES, MODIFICATION_LEVELS, type ChangeRuleId, type ModificationLevel } from './rules';
export type { Change, ChangeAnalysis, DocMdpPolicy, FieldMdpPolicy, RevisionChanges } from './types';
