package io.keepwatch.testing;

import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.Optional;

/** An Fs that does what another does; a test overrides the calls it records or changes. */
public class ForwardingFs implements Fs {
    private final Fs delegate;

    public ForwardingFs(Fs delegate) {
        this.delegate = delegate;
    }

    @Override
    public SeekableByteChannel openSource(Path file) throws IOException {
        return delegate.openSource(file);
    }

    @Override
    public FileChannel createNew(Path file) throws IOException {
        return delegate.createNew(file);
    }

    @Override
    public void syncFile(Path file) throws IOException {
        delegate.syncFile(file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }

    @Override
    public boolean syncFileSystem(Path path) throws IOException {
        return delegate.syncFileSystem(path);
    }

    @Override
    public void moveNoReplace(Path from, Path to) throws IOException {
        delegate.moveNoReplace(from, to);
    }

    @Override
    public void replaceAtomically(Path from, Path to) throws IOException {
        delegate.replaceAtomically(from, to);
    }

    @Override
    public void createHardLink(Path link, Path existing) throws IOException {
        delegate.createHardLink(link, existing);
    }

    @Override
    public Optional<String> deviceOf(Path path) throws IOException {
        return delegate.deviceOf(path);
    }
}
