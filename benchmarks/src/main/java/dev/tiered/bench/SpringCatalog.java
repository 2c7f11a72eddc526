package dev.tiered.bench;

import java.time.Duration;

import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.github.benmanes.caffeine.cache.Caffeine;

/** The Spring baseline: the same method behind {@code @Cacheable}, with Caffeine under Spring's cache abstraction. */
public class SpringCatalog {
    @Cacheable("products")
    public Product find(String sku) {
        return Catalog.PRODUCT;
    }

    /** A Spring context with caching enabled, and its proxied catalog. */
    static SpringCatalog start() {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(Config.class);
        return context.getBean(SpringCatalog.class);
    }

    @Configuration
    @EnableCaching
    static class Config {
        @Bean
        CacheManager cacheManager() {
            CaffeineCacheManager manager = new CaffeineCacheManager("products");
            manager.setCaffeine(Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(10)));
            return manager;
        }

        @Bean
        SpringCatalog catalog() {
            return new SpringCatalog();
        }
    }
}
