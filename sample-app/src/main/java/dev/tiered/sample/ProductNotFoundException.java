package dev.tiered.sample;

/** A write named a product that the catalog does not have; nothing was changed. */
public final class ProductNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProductNotFoundException(long id) {
        super("no product with id " + id);
    }
}
