package dev.tiered.sample;

/** The service as written, its repository annotated: {@link CatalogCachingScenarios}. */
class CatalogCachingIT extends CatalogCachingScenarios {
}
