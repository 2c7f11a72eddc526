package dev.tiered.spring;

import java.util.List;

/** What most services return today: a record, not Serializable. */
public record OwnerView(long id, String name, String city, List<String> pets) {}
