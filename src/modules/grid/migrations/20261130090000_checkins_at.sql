-- The map's 网格员 layer (checkinLayer) reads the last check-in of each member over the last days: without an
-- index on the instant it scanned every check-in ever made (the demo loads ~190,000; a year of a county, millions).
create index grid_checkins_at_idx on grid_checkins (at);
