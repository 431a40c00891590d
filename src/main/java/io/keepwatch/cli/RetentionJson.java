package io.keepwatch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.config.Durations;
import io.keepwatch.config.KeepRules;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.RootCaps;

/** A retention policy as {@code check-config} prints it: every rule by its config.json key, unset ones as null. */
final class RetentionJson {
    private RetentionJson() {
    }

    static void write(ObjectNode r, RetentionConfig p, RootCaps caps) {
        KeepRules k = p.keep();
        r.put("keep_last", k.last());
        r.put("keep_hourly", k.hourly());
        r.put("keep_daily", k.daily());
        r.put("keep_weekly", k.weekly());
        r.put("keep_monthly", k.monthly());
        r.put("keep_yearly", k.yearly());
        k.within().ifPresentOrElse(d -> r.put("keep_within", Durations.format(d)), () -> r.putNull("keep_within"));
        k.staggered().ifPresentOrElse(d -> r.putObject("staggered").put("max_age_days", d.toDays()), () -> r.put("staggered", false));
        p.maxVersionAge().ifPresentOrElse(d -> r.put("max_version_age_days", d.toDays()), () -> r.putNull("max_version_age_days"));
        p.deletedKeep().ifPresentOrElse(d -> r.put("deleted_keep_days", d.toDays()), () -> r.putNull("deleted_keep_days"));
        r.put("time_zone", p.zone().map(Object::toString).orElse("local"));
        p.versionsMaxBytes().ifPresent(b -> r.put("versions_max_bytes", b));
        p.deletedMaxBytes().ifPresent(b -> r.put("deleted_max_bytes", b));
        caps.versionsMaxBytes().ifPresent(b -> r.put("versions_max_bytes", b));
        caps.deletedMaxBytes().ifPresent(b -> r.put("deleted_max_bytes", b));
        caps.minFreeBytes().ifPresent(b -> r.put("min_free_bytes", b));
        caps.minFreePercent().ifPresent(b -> r.put("min_free_percent", b));
    }
}
