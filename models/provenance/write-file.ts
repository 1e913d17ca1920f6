// The CLI and exports write their marked images with models/io's atomic writer (temp file, fsync, rename).
export { writeFileAtomic } from '../io/write-file-atomic.ts';
