package dev.tiered.spring;

import java.util.List;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

import dev.tiered.Tiered;

/** Spring implements it with a JDK proxy: the annotation on the interface caches the proxy's method. */
public interface OwnerRepository extends JpaRepository<Owner, Long> {
    @Tiered(ttl = "10m", namespace = "owners")
    @Query("select o.name from Owner o where o.city = ?1 order by o.id")
    List<String> namesIn(String city);
}
