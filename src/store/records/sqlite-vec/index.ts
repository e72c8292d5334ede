export { SqliteVecRecordStore, toFtsQuery } from './store.js';
