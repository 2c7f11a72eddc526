package dev.tiered.agent.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import net.bytebuddy.description.type.RecordComponentDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;

import dev.tiered.runtime.l2.KeyType;

/** Decides, from a parameter's declared type and without loading any class, how it encodes into an L2 key. */
final class KeyTypes {
    private KeyTypes() {}

    static KeyType of(TypeDescription.Generic type) {
        return of(type, new HashSet<>());
    }

    private static KeyType of(TypeDescription.Generic type, Set<String> records) {
        String shown = type.getTypeName();
        try {
            if (type.getSort() == TypeDefinition.Sort.WILDCARD) {
                return of(type.getUpperBounds().getOnly(), records);
            }
            if (type.getSort() == TypeDefinition.Sort.VARIABLE) {
                return new KeyType.Unsupported(shown + " (a type variable)");
            }
            TypeDescription raw = type.asErasure();
            if (raw.isArray()) {
                return new KeyType.ArrayOf(of(type.getComponentType(), records));
            }
            KeyType.Scalar scalar = KeyType.Scalar.forTypeName(raw.getName());
            if (scalar != null) {
                return scalar;
            }
            if (raw.isEnum()) {
                return new KeyType.EnumOf(raw.getName());
            }
            if (raw.represents(List.class)) {
                if (type.getSort() != TypeDefinition.Sort.PARAMETERIZED) {
                    return new KeyType.Unsupported("java.util.List without a type argument");
                }
                return new KeyType.ListOf(of(type.getTypeArguments().getOnly(), records));
            }
            if (raw.isRecord()) {
                if (!records.add(raw.getName())) {
                    return new KeyType.Unsupported(raw.getName() + " (a record that contains itself)");
                }
                List<KeyType.RecordOf.Component> components = new ArrayList<>();
                for (RecordComponentDescription.InDefinedShape c : raw.getRecordComponents()) {
                    components.add(new KeyType.RecordOf.Component(c.getActualName(), of(c.getType(), records)));
                }
                records.remove(raw.getName());
                return new KeyType.RecordOf(raw.getName(), components);
            }
            return new KeyType.Unsupported(shown);
        } catch (RuntimeException e) {
            return new KeyType.Unsupported(shown + " (its class file cannot be read)");
        }
    }
}
