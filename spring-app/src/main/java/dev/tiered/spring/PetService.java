package dev.tiered.spring;

import java.util.List;

import org.springframework.stereotype.Service;

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
}
