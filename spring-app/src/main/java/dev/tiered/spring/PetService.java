package dev.tiered.spring;

import java.util.List;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.tiered.CacheKey;
import dev.tiered.Tier;
import dev.tiered.Tiered;

/** Entities cached as they are (in L1: they are not Serializable), which verify mode can check. */
@Service
public class PetService {
    private final PetRepository pets;

    public PetService(PetRepository pets) {
        this.pets = pets;
    }

    @Tiered(ttl = "10m", tier = Tier.L1, namespace = "pets")
    public List<Pet> petsOf(@CacheKey long ownerId) {
        return pets.findByOwnerIdOrderById(ownerId);
    }

    /** A record of the values, which (unlike the entities) reaches L2 and the other instances. */
    @Transactional(readOnly = true) // the owner is lazy: read it inside the session
    @Tiered(ttl = "10m", namespace = "views")
    public OwnerView viewOf(@CacheKey long ownerId) {
        List<Pet> owned = pets.findByOwnerIdOrderById(ownerId);
        String name = owned.isEmpty() ? null : owned.get(0).getOwner().getName();
        String city = owned.isEmpty() ? null : owned.get(0).getOwner().getCity();
        return new OwnerView(ownerId, name, city, owned.stream().map(Pet::getName).toList());
    }
}
