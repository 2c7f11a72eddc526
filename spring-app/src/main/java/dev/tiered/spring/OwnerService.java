package dev.tiered.spring;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.tiered.CacheKey;
import dev.tiered.Invalidates;
import dev.tiered.Tiered;

/** Reads cached by owner, and the write that changes them. */
@Service
public class OwnerService {
    private final OwnerRepository owners;

    public OwnerService(OwnerRepository owners) {
        this.owners = owners;
    }

    @Tiered(ttl = "10m", namespace = "owners")
    public String cityOf(@CacheKey long id) {
        return owners.findById(id).map(Owner::getCity).orElse(null);
    }

    /** Moves an owner, inside the caller's transaction if there is one (else in one of its own). */
    @Transactional
    @Invalidates("owners")
    public void move(@CacheKey long id, String city) {
        Owner owner = owners.findById(id).orElseThrow();
        owner.setCity(city);
        owners.flush(); // the row is written now, visible to other connections only at the commit
    }
}
