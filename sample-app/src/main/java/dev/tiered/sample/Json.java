package dev.tiered.sample;

import java.util.List;

/** The few JSON shapes the service writes; hand-written, because a JSON library would outweigh the service. */
final class Json {
    private Json() {}

    static String product(Product p) {
        return "{\"id\":" + p.id()
                + ",\"name\":" + string(p.name())
                + ",\"category\":" + string(p.category())
                + ",\"price\":" + p.price().toPlainString()
                + ",\"updatedAt\":" + string(p.updatedAt().toString()) + "}";
    }

    static String products(List<Product> products) {
        StringBuilder json = new StringBuilder(products.size() * 128).append('[');
        for (int i = 0; i < products.size(); i++) {
            json.append(i == 0 ? "" : ",").append(product(products.get(i)));
        }
        return json.append(']').toString();
    }

    static String error(String message) {
        return "{\"error\":" + string(message) + "}";
    }

    /** A JSON string literal: quoted, with quotes, backslashes and control characters escaped. */
    static String string(String value) {
        StringBuilder json = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
