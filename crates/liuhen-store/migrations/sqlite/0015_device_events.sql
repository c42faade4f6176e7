-- The device register (设备台账): what happened to each device after it
-- was registered — assignments (谁使用、谁保管、谁负责), checks before use,
-- faults and repairs, losses, retirement — numbered per device and only
-- added. An assignment also sets `devices.assigned_officer` and
-- `devices.unit_id` in the same transaction, so the register row always
-- names the current holder.
CREATE TABLE device_events (
    device_id      TEXT NOT NULL REFERENCES devices (id),
    sequence       INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    at_us          INTEGER NOT NULL,
    details        TEXT NOT NULL,
    PRIMARY KEY (device_id, sequence)
);
CREATE INDEX device_events_by_time ON device_events (at_us);
