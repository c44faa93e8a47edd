package dev.drafthorse.ensemble.data;

import java.util.List;

/** A feature table brought from another system: its columns become features {@code NAME.column}. */
public record TableSource(String name, FeatureTable table) implements SourceData {
    public TableSource {
        SourceData.checkName(name);
    }

    @Override
    public List<String> ids() {
        return table.ids();
    }

    @Override
    public List<RejectedRow> rejects() {
        return List.of();
    }
}
