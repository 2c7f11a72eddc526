package dev.tiered.spring;

import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** An entity with a lazy association, as most are: no equals, and its owner a Hibernate proxy until read. */
@Entity
@Table(name = "pet")
public class Pet {
    @Id
    private Long id;
    private String name;
    @ManyToOne(fetch = FetchType.LAZY)
    private Owner owner;

    protected Pet() {}

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public Owner getOwner() {
        return owner;
    }
}
