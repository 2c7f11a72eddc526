package dev.tiered.spring;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A JPA entity as most are written: no {@code equals}, no {@code Serializable}. */
@Entity
@Table(name = "owner")
public class Owner {
    @Id
    private Long id;
    private String name;
    private String city;

    protected Owner() {}

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getCity() {
        return city;
    }

    public void setCity(String city) {
        this.city = city;
    }
}
