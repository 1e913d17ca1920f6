// Public entry of the project store. See README.md in this folder.
export { openProject, Project, DB_FILE, BLOB_DIR, type OpenProjectOptions } from './project.ts';
export { StoreError, FutureSchemaError, type StoreErrorKind } from './errors.ts';
export { BlobStore, HASH_PATTERN, type StoredBlob } from './blob-store.ts';
export { inspectImage, DEFAULT_MAX_PIXELS, type ImageInfo } from './image-check.ts';
export type { IntegrityReport, CheckOptions } from './integrity.ts';
export { Search, GarmentFilter, ResultFilter, ResultCountFilter, type Page, type GarmentFilterInput, type ResultFilterInput, type ResultCountFilterInput } from './search.ts';
export { MIGRATIONS, LATEST_VERSION } from './migrations/index.ts';
export * from './schemas.ts';
export type * from './types.ts';
