-- Check-in ids are random now (they were derived from the asking timer's key, so a second
-- firing of a timer could only ever reach the same row). The timer that asked a check-in
-- is kept with it, so the database still holds one check-in per timer.
ALTER TABLE check_ins ADD COLUMN timer_id bigint;
CREATE UNIQUE INDEX check_ins_one_per_timer ON check_ins (timer_id) WHERE timer_id IS NOT NULL;
