package dev.tiered.sample;

import java.sql.SQLException;

/** The database failed; the service answers 500 and the cache stores nothing for the call. */
public final class CatalogException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CatalogException(String message, SQLException cause) {
        super(message, cause);
    }
}
