package io.keepwatch.state;

import java.util.Map;

/**
 * One source as stored in state.json.
 *
 * @param device the device id of the source root when it was last seen, to tell an unmounted folder
 *     (same path, another device) from the real one; empty where the platform has no device ids
 * @param files live files by relative path
 * @param history old versions and deletions by relative path
 * @param folders the empty folders, now and past, by relative path (missing in older files: none)
 */
record SourceState(String device, Map<String, LiveFile> files, Map<String, PathHistory> history,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
        Map<String, java.util.List<FolderSpan>> folders) {
}
