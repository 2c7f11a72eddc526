package dev.tiered.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A PetClinic-like service: owners in a database through Spring Data JPA, read and moved over HTTP. It uses only
 * tiered's annotations; the agent on its command line does the caching.
 */
@SpringBootApplication
public class ClinicApplication {
    public static void main(String[] args) {
        SpringApplication.run(ClinicApplication.class, args);
    }
}
