/**
 * The export archive: a whole repository (config, packs, index, one snapshot) of a chosen state of the backup,
 * in one file written in one pass (a pipe will do), framed as numbered, authenticated segments with an
 * authenticated end marker, so that truncation, reordering, a changed byte and a wrong key are each detected
 * and named. Owns the framing ({@link io.keepwatch.archive.ArchiveFormat}, the writer and the reader), the
 * export (the backup's state, maybe as of an instant, pushed into a write-only store that streams into the
 * archive) and the import (objects received into a staging repository inside the target, then files or a whole
 * backup root materialised there, and moved into place only at the end; resumable after a kill). Uses the
 * repository ({@code repo}) for everything inside the frames. The format is documented in docs/repository.md.
 */
package io.keepwatch.archive;
