package dev.tiered.bench;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code tiered.*} settings ({@code name=value}) that the benchmark JVMs of a class run with, on top of the usual. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface AgentSettings {
    String[] value();
}
