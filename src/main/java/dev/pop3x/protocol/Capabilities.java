package dev.pop3x.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The CAPA answer (RFC 2449). Empty, not null, when the server has no CAPA. Names are case-insensitive. */
public final class Capabilities {

    private static final Capabilities NONE = new Capabilities(Map.of());

    // upper-case name -> argument text ("" when the capability has none)
    private final Map<String, String> entries;

    private Capabilities(Map<String, String> entries) {
        this.entries = entries;
    }

    public static Capabilities parse(List<String> lines) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("[ \t]+", 2);
            map.putIfAbsent(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "");
        }
        return map.isEmpty() ? NONE : new Capabilities(Collections.unmodifiableMap(map));
    }

    public static Capabilities none() {
        return NONE;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public boolean has(String name) {
        return entries.containsKey(name.toUpperCase(Locale.ROOT));
    }

    /** Mechanisms from "SASL PLAIN LOGIN", upper-case, in server order. */
    public Set<String> saslMechanisms() {
        String arg = entries.get("SASL");
        if (arg == null || arg.isBlank()) {
            return Set.of();
        }
        Set<String> mechs = new LinkedHashSet<>();
        for (String m : arg.strip().split("[ \t]+")) {
            mechs.add(m.toUpperCase(Locale.ROOT));
        }
        return Collections.unmodifiableSet(mechs);
    }

    /** The argument text of a capability, e.g. "900" for "LOGIN-DELAY 900"; empty if absent or without argument. */
    public Optional<String> argument(String name) {
        String arg = entries.get(name.toUpperCase(Locale.ROOT));
        return arg == null || arg.isEmpty() ? Optional.empty() : Optional.of(arg);
    }

    /** All capability names, upper-case, in server order. */
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public String toString() {
        return "Capabilities" + entries.keySet();
    }
}
