export { SqliteVecRecordStore } from './store.js';
export { toFtsQuery } from './search.js';
