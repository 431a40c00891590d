package io.keepwatch.testing;

import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * An Fs that records the permission bits every file it creates has at its creation: read right after the file is
 * opened, before its first byte is written (so a later chmod cannot hide a mode that let others read it meanwhile),
 * and the bits of the folder it is made in.
 */
public final class ModeRecordingFs extends ForwardingFs {
    /** A file created, its mode ({@code rw-------}) and its folder's at that instant. */
    public record Created(Path file, String mode, String folderMode) {
    }

    private final List<Created> created = new ArrayList<>();

    public ModeRecordingFs(Fs delegate) {
        super(delegate);
    }

    @Override
    public FileChannel createNew(Path file) throws IOException {
        FileChannel ch = super.createNew(file);
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS));
        String folderMode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent(), LinkOption.NOFOLLOW_LINKS));
        synchronized (created) {
            created.add(new Created(file, mode, folderMode));
        }
        return ch;
    }

    public List<Created> created() {
        synchronized (created) {
            return List.copyOf(created);
        }
    }
}
