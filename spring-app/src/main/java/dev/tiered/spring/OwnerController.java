package dev.tiered.spring;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The service over HTTP, as plain text. */
@RestController
public class OwnerController {
    private final OwnerService service;
    private final OwnerRepository owners;
    private final Relocations relocations;
    private final PetService pets;

    public OwnerController(OwnerService service, OwnerRepository owners, Relocations relocations, PetService pets) {
        this.service = service;
        this.owners = owners;
        this.relocations = relocations;
        this.pets = pets;
    }

    @GetMapping("/owners/{id}/view")
    public String view(@PathVariable long id) {
        return pets.viewOf(id).toString();
    }

    @GetMapping("/owners/{id}/pets")
    public String pets(@PathVariable long id) {
        return String.join(",", pets.petsOf(id).stream().map(Pet::getName).toList());
    }

    @GetMapping("/owners/{id}/city")
    public String city(@PathVariable long id) {
        return service.cityOf(id);
    }

    @GetMapping("/cities/{city}/owners")
    public String namesIn(@PathVariable String city) {
        return String.join(",", owners.namesIn(city));
    }

    @PostMapping("/owners/{id}/move")
    public String move(@PathVariable long id, @RequestParam String city,
                       @RequestParam(defaultValue = "0") long pause,
                       @RequestParam(defaultValue = "false") boolean rollback) {
        relocations.relocate(id, city, pause, rollback);
        return rollback ? "rolled back" : "moved";
    }
}
