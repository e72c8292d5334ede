export { QdrantRecordStore } from './store.js';
export { createQdrantClient, type QdrantConnection, qdrantConnection, qdrantError } from './client.js';
export { CALM_ID_NAMESPACE, ORIGINAL_ID_KEY, pointId, uuidv5 } from './ids.js';
