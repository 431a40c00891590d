package io.keepwatch.scan;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * Some of a scan's files, by their positions in its list: a view that keeps four bytes a file and asks the list for
 * the file only when it is looked at (a scan's list makes each {@link ScannedFile} on demand, see {@link FileColumns},
 * so a selection of a million files holds no million records). Read-only; the list must not change.
 */
public final class PickedFiles extends AbstractList<ScannedFile> implements RandomAccess {
    private final List<ScannedFile> all;
    private final int[] positions;
    private final int size;

    private PickedFiles(List<ScannedFile> all, int[] positions, int size) {
        this.all = all;
        this.positions = positions;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public ScannedFile get(int index) {
        return all.get(positions[Objects.checkIndex(index, size)]);
    }

    /** Collects positions of {@code all}, in the order they are to be listed. */
    public static Builder of(List<ScannedFile> all) {
        return new Builder(all);
    }

    public static final class Builder {
        private final List<ScannedFile> all;
        private int[] positions = new int[16];
        private int size;

        private Builder(List<ScannedFile> all) {
            this.all = all;
        }

        public Builder add(int position) {
            Objects.checkIndex(position, all.size());
            if (size == positions.length) {
                positions = Arrays.copyOf(positions, size + (size >> 1));
            }
            positions[size++] = position;
            return this;
        }

        public int size() {
            return size;
        }

        public PickedFiles build() {
            return new PickedFiles(all, size == positions.length ? positions : Arrays.copyOf(positions, size), size);
        }
    }
}
