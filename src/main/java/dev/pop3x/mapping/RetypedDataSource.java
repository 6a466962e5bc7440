package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import jakarta.activation.DataSource;

/** A data source with a repaired Content-Type; the stream is the original one (still shared, not copied). */
final class RetypedDataSource implements DataSource {

    private final DataSource delegate;
    private final String contentType;

    RetypedDataSource(DataSource delegate, String contentType) {
        this.delegate = delegate;
        this.contentType = contentType;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return delegate.getInputStream();
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        throw new IOException("read-only");
    }

    @Override
    public String getContentType() {
        return contentType;
    }

    @Override
    public String getName() {
        return delegate.getName();
    }
}
