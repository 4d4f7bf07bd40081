-- People sync: people who leave (deactivated, history kept), HR-owned fields, the employee id HR
-- systems key people by, sessions findable by person, imports staged for preview before they
-- are applied, and the admins' column and grade mappings remembered between imports.
-- Kept column-for-column identical to the other database's migration of the same number.

ALTER TABLE users ADD COLUMN employee_id TEXT;
CREATE UNIQUE INDEX users_employee_id ON users (employee_id) WHERE employee_id IS NOT NULL;
-- Set when the person leaves: they cannot sign in and leave the directory and every pool.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;
-- Set when an import last wrote the person: level, department, manager and job title are then HR's.
ALTER TABLE users ADD COLUMN hr_synced_at INTEGER;
-- 1 once the person chose their timezone themselves: an import then leaves it as they set it.
ALTER TABLE users ADD COLUMN timezone_chosen INTEGER NOT NULL DEFAULT 0 CHECK (timezone_chosen IN (0, 1));
CREATE INDEX users_active ON users (deactivated_at);

ALTER TABLE sessions ADD COLUMN user_id INTEGER;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE people_imports (
    id          INTEGER PRIMARY KEY,
    created_by  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    -- The file as uploaded, base64: decoded again for each preview page and for the apply.
    file_base64 TEXT NOT NULL,
    applied_at  INTEGER,
    applied_by  INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX people_imports_created ON people_imports (created_at);

CREATE TABLE import_mappings (
    kind       TEXT NOT NULL CHECK (kind IN ('column', 'grade')),
    -- A header as `header_key` reduces it, or a grade as written (trimmed, lower case).
    key        TEXT NOT NULL,
    -- A field name, '' for "not imported", or a level 1-10.
    value      TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);

-- One list of timezones: old and merged names become the current zone, the names of UTC become
-- UTC, and abbreviations the place they are written for (src/people/timezones.rs; the test
-- `stored_timezone_aliases_are_normalised` checks this list against it).
UPDATE users SET timezone = CASE timezone
    WHEN 'AEST' THEN 'Australia/Sydney'
    WHEN 'Africa/Asmera' THEN 'Africa/Nairobi'
    WHEN 'Africa/Timbuktu' THEN 'Africa/Abidjan'
    WHEN 'America/Argentina/ComodRivadavia' THEN 'America/Argentina/Catamarca'
    WHEN 'America/Atka' THEN 'America/Adak'
    WHEN 'America/Buenos_Aires' THEN 'America/Argentina/Buenos_Aires'
    WHEN 'America/Catamarca' THEN 'America/Argentina/Catamarca'
    WHEN 'America/Coral_Harbour' THEN 'America/Panama'
    WHEN 'America/Cordoba' THEN 'America/Argentina/Cordoba'
    WHEN 'America/Ensenada' THEN 'America/Tijuana'
    WHEN 'America/Fort_Wayne' THEN 'America/Indiana/Indianapolis'
    WHEN 'America/Godthab' THEN 'America/Nuuk'
    WHEN 'America/Indianapolis' THEN 'America/Indiana/Indianapolis'
    WHEN 'America/Jujuy' THEN 'America/Argentina/Jujuy'
    WHEN 'America/Knox_IN' THEN 'America/Indiana/Knox'
    WHEN 'America/Louisville' THEN 'America/Kentucky/Louisville'
    WHEN 'America/Mendoza' THEN 'America/Argentina/Mendoza'
    WHEN 'America/Montreal' THEN 'America/Toronto'
    WHEN 'America/Nipigon' THEN 'America/Toronto'
    WHEN 'America/Pangnirtung' THEN 'America/Iqaluit'
    WHEN 'America/Porto_Acre' THEN 'America/Rio_Branco'
    WHEN 'America/Rainy_River' THEN 'America/Winnipeg'
    WHEN 'America/Rosario' THEN 'America/Argentina/Cordoba'
    WHEN 'America/Santa_Isabel' THEN 'America/Tijuana'
    WHEN 'America/Shiprock' THEN 'America/Denver'
    WHEN 'America/Thunder_Bay' THEN 'America/Toronto'
    WHEN 'America/Virgin' THEN 'America/Puerto_Rico'
    WHEN 'America/Yellowknife' THEN 'America/Edmonton'
    WHEN 'Antarctica/South_Pole' THEN 'Pacific/Auckland'
    WHEN 'Asia/Ashkhabad' THEN 'Asia/Ashgabat'
    WHEN 'Asia/Calcutta' THEN 'Asia/Kolkata'
    WHEN 'Asia/Choibalsan' THEN 'Asia/Ulaanbaatar'
    WHEN 'Asia/Chongqing' THEN 'Asia/Shanghai'
    WHEN 'Asia/Chungking' THEN 'Asia/Shanghai'
    WHEN 'Asia/Dacca' THEN 'Asia/Dhaka'
    WHEN 'Asia/Harbin' THEN 'Asia/Shanghai'
    WHEN 'Asia/Istanbul' THEN 'Europe/Istanbul'
    WHEN 'Asia/Kashgar' THEN 'Asia/Urumqi'
    WHEN 'Asia/Katmandu' THEN 'Asia/Kathmandu'
    WHEN 'Asia/Macao' THEN 'Asia/Macau'
    WHEN 'Asia/Rangoon' THEN 'Asia/Yangon'
    WHEN 'Asia/Saigon' THEN 'Asia/Ho_Chi_Minh'
    WHEN 'Asia/Tel_Aviv' THEN 'Asia/Jerusalem'
    WHEN 'Asia/Thimbu' THEN 'Asia/Thimphu'
    WHEN 'Asia/Ujung_Pandang' THEN 'Asia/Makassar'
    WHEN 'Asia/Ulan_Bator' THEN 'Asia/Ulaanbaatar'
    WHEN 'Atlantic/Faeroe' THEN 'Atlantic/Faroe'
    WHEN 'Atlantic/Jan_Mayen' THEN 'Europe/Berlin'
    WHEN 'Australia/ACT' THEN 'Australia/Sydney'
    WHEN 'Australia/Canberra' THEN 'Australia/Sydney'
    WHEN 'Australia/Currie' THEN 'Australia/Hobart'
    WHEN 'Australia/LHI' THEN 'Australia/Lord_Howe'
    WHEN 'Australia/NSW' THEN 'Australia/Sydney'
    WHEN 'Australia/North' THEN 'Australia/Darwin'
    WHEN 'Australia/Queensland' THEN 'Australia/Brisbane'
    WHEN 'Australia/South' THEN 'Australia/Adelaide'
    WHEN 'Australia/Tasmania' THEN 'Australia/Hobart'
    WHEN 'Australia/Victoria' THEN 'Australia/Melbourne'
    WHEN 'Australia/West' THEN 'Australia/Perth'
    WHEN 'Australia/Yancowinna' THEN 'Australia/Broken_Hill'
    WHEN 'BST' THEN 'Europe/London'
    WHEN 'Brazil/Acre' THEN 'America/Rio_Branco'
    WHEN 'Brazil/DeNoronha' THEN 'America/Noronha'
    WHEN 'Brazil/East' THEN 'America/Sao_Paulo'
    WHEN 'Brazil/West' THEN 'America/Manaus'
    WHEN 'CDT' THEN 'America/Chicago'
    WHEN 'CEST' THEN 'Europe/Paris'
    WHEN 'CET' THEN 'Europe/Paris'
    WHEN 'CST' THEN 'America/Chicago'
    WHEN 'CST6CDT' THEN 'America/Chicago'
    WHEN 'Canada/Atlantic' THEN 'America/Halifax'
    WHEN 'Canada/Central' THEN 'America/Winnipeg'
    WHEN 'Canada/Eastern' THEN 'America/Toronto'
    WHEN 'Canada/Mountain' THEN 'America/Edmonton'
    WHEN 'Canada/Newfoundland' THEN 'America/St_Johns'
    WHEN 'Canada/Pacific' THEN 'America/Vancouver'
    WHEN 'Canada/Saskatchewan' THEN 'America/Regina'
    WHEN 'Canada/Yukon' THEN 'America/Whitehorse'
    WHEN 'Chile/Continental' THEN 'America/Santiago'
    WHEN 'Chile/EasterIsland' THEN 'Pacific/Easter'
    WHEN 'Cuba' THEN 'America/Havana'
    WHEN 'EDT' THEN 'America/New_York'
    WHEN 'EET' THEN 'Europe/Athens'
    WHEN 'EST' THEN 'America/New_York'
    WHEN 'EST5EDT' THEN 'America/New_York'
    WHEN 'Egypt' THEN 'Africa/Cairo'
    WHEN 'Eire' THEN 'Europe/Dublin'
    WHEN 'Etc/GMT' THEN 'UTC'
    WHEN 'Etc/GMT+0' THEN 'UTC'
    WHEN 'Etc/GMT-0' THEN 'UTC'
    WHEN 'Etc/GMT0' THEN 'UTC'
    WHEN 'Etc/Greenwich' THEN 'UTC'
    WHEN 'Etc/UCT' THEN 'UTC'
    WHEN 'Etc/UTC' THEN 'UTC'
    WHEN 'Etc/Universal' THEN 'UTC'
    WHEN 'Etc/Zulu' THEN 'UTC'
    WHEN 'Europe/Belfast' THEN 'Europe/London'
    WHEN 'Europe/Kiev' THEN 'Europe/Kyiv'
    WHEN 'Europe/Nicosia' THEN 'Asia/Nicosia'
    WHEN 'Europe/Tiraspol' THEN 'Europe/Chisinau'
    WHEN 'Europe/Uzhgorod' THEN 'Europe/Kyiv'
    WHEN 'Europe/Zaporozhye' THEN 'Europe/Kyiv'
    WHEN 'GB' THEN 'Europe/London'
    WHEN 'GB-Eire' THEN 'Europe/London'
    WHEN 'GMT' THEN 'UTC'
    WHEN 'GMT+0' THEN 'UTC'
    WHEN 'GMT-0' THEN 'UTC'
    WHEN 'GMT0' THEN 'UTC'
    WHEN 'Greenwich' THEN 'UTC'
    WHEN 'HST' THEN 'Pacific/Honolulu'
    WHEN 'Hongkong' THEN 'Asia/Hong_Kong'
    WHEN 'IST' THEN 'Asia/Kolkata'
    WHEN 'Iceland' THEN 'Africa/Abidjan'
    WHEN 'Iran' THEN 'Asia/Tehran'
    WHEN 'Israel' THEN 'Asia/Jerusalem'
    WHEN 'JST' THEN 'Asia/Tokyo'
    WHEN 'Jamaica' THEN 'America/Jamaica'
    WHEN 'Japan' THEN 'Asia/Tokyo'
    WHEN 'KST' THEN 'Asia/Seoul'
    WHEN 'Kwajalein' THEN 'Pacific/Kwajalein'
    WHEN 'Libya' THEN 'Africa/Tripoli'
    WHEN 'MDT' THEN 'America/Denver'
    WHEN 'MET' THEN 'Europe/Paris'
    WHEN 'MST' THEN 'America/Denver'
    WHEN 'MST7MDT' THEN 'America/Denver'
    WHEN 'Mexico/BajaNorte' THEN 'America/Tijuana'
    WHEN 'Mexico/BajaSur' THEN 'America/Mazatlan'
    WHEN 'Mexico/General' THEN 'America/Mexico_City'
    WHEN 'NZ' THEN 'Pacific/Auckland'
    WHEN 'NZ-CHAT' THEN 'Pacific/Chatham'
    WHEN 'NZST' THEN 'Pacific/Auckland'
    WHEN 'Navajo' THEN 'America/Denver'
    WHEN 'PDT' THEN 'America/Los_Angeles'
    WHEN 'PRC' THEN 'Asia/Shanghai'
    WHEN 'PST' THEN 'America/Los_Angeles'
    WHEN 'PST8PDT' THEN 'America/Los_Angeles'
    WHEN 'Pacific/Enderbury' THEN 'Pacific/Kanton'
    WHEN 'Pacific/Johnston' THEN 'Pacific/Honolulu'
    WHEN 'Pacific/Ponape' THEN 'Pacific/Guadalcanal'
    WHEN 'Pacific/Samoa' THEN 'Pacific/Pago_Pago'
    WHEN 'Pacific/Truk' THEN 'Pacific/Port_Moresby'
    WHEN 'Pacific/Yap' THEN 'Pacific/Port_Moresby'
    WHEN 'Poland' THEN 'Europe/Warsaw'
    WHEN 'Portugal' THEN 'Europe/Lisbon'
    WHEN 'ROC' THEN 'Asia/Taipei'
    WHEN 'ROK' THEN 'Asia/Seoul'
    WHEN 'Singapore' THEN 'Asia/Singapore'
    WHEN 'Turkey' THEN 'Europe/Istanbul'
    WHEN 'UCT' THEN 'UTC'
    WHEN 'US/Alaska' THEN 'America/Anchorage'
    WHEN 'US/Aleutian' THEN 'America/Adak'
    WHEN 'US/Arizona' THEN 'America/Phoenix'
    WHEN 'US/Central' THEN 'America/Chicago'
    WHEN 'US/East-Indiana' THEN 'America/Indiana/Indianapolis'
    WHEN 'US/Eastern' THEN 'America/New_York'
    WHEN 'US/Hawaii' THEN 'Pacific/Honolulu'
    WHEN 'US/Indiana-Starke' THEN 'America/Indiana/Knox'
    WHEN 'US/Michigan' THEN 'America/Detroit'
    WHEN 'US/Mountain' THEN 'America/Denver'
    WHEN 'US/Pacific' THEN 'America/Los_Angeles'
    WHEN 'US/Samoa' THEN 'Pacific/Pago_Pago'
    WHEN 'Universal' THEN 'UTC'
    WHEN 'W-SU' THEN 'Europe/Moscow'
    WHEN 'WET' THEN 'Europe/Lisbon'
    WHEN 'Zulu' THEN 'UTC'
    ELSE timezone END
WHERE timezone IN (
    'AEST', 'Africa/Asmera', 'Africa/Timbuktu', 'America/Argentina/ComodRivadavia', 'America/Atka', 'America/Buenos_Aires',
    'America/Catamarca', 'America/Coral_Harbour', 'America/Cordoba', 'America/Ensenada', 'America/Fort_Wayne', 'America/Godthab',
    'America/Indianapolis', 'America/Jujuy', 'America/Knox_IN', 'America/Louisville', 'America/Mendoza', 'America/Montreal',
    'America/Nipigon', 'America/Pangnirtung', 'America/Porto_Acre', 'America/Rainy_River', 'America/Rosario', 'America/Santa_Isabel',
    'America/Shiprock', 'America/Thunder_Bay', 'America/Virgin', 'America/Yellowknife', 'Antarctica/South_Pole', 'Asia/Ashkhabad',
    'Asia/Calcutta', 'Asia/Choibalsan', 'Asia/Chongqing', 'Asia/Chungking', 'Asia/Dacca', 'Asia/Harbin',
    'Asia/Istanbul', 'Asia/Kashgar', 'Asia/Katmandu', 'Asia/Macao', 'Asia/Rangoon', 'Asia/Saigon',
    'Asia/Tel_Aviv', 'Asia/Thimbu', 'Asia/Ujung_Pandang', 'Asia/Ulan_Bator', 'Atlantic/Faeroe', 'Atlantic/Jan_Mayen',
    'Australia/ACT', 'Australia/Canberra', 'Australia/Currie', 'Australia/LHI', 'Australia/NSW', 'Australia/North',
    'Australia/Queensland', 'Australia/South', 'Australia/Tasmania', 'Australia/Victoria', 'Australia/West', 'Australia/Yancowinna',
    'BST', 'Brazil/Acre', 'Brazil/DeNoronha', 'Brazil/East', 'Brazil/West', 'CDT',
    'CEST', 'CET', 'CST', 'CST6CDT', 'Canada/Atlantic', 'Canada/Central',
    'Canada/Eastern', 'Canada/Mountain', 'Canada/Newfoundland', 'Canada/Pacific', 'Canada/Saskatchewan', 'Canada/Yukon',
    'Chile/Continental', 'Chile/EasterIsland', 'Cuba', 'EDT', 'EET', 'EST',
    'EST5EDT', 'Egypt', 'Eire', 'Etc/GMT', 'Etc/GMT+0', 'Etc/GMT-0',
    'Etc/GMT0', 'Etc/Greenwich', 'Etc/UCT', 'Etc/UTC', 'Etc/Universal', 'Etc/Zulu',
    'Europe/Belfast', 'Europe/Kiev', 'Europe/Nicosia', 'Europe/Tiraspol', 'Europe/Uzhgorod', 'Europe/Zaporozhye',
    'GB', 'GB-Eire', 'GMT', 'GMT+0', 'GMT-0', 'GMT0',
    'Greenwich', 'HST', 'Hongkong', 'IST', 'Iceland', 'Iran',
    'Israel', 'JST', 'Jamaica', 'Japan', 'KST', 'Kwajalein',
    'Libya', 'MDT', 'MET', 'MST', 'MST7MDT', 'Mexico/BajaNorte',
    'Mexico/BajaSur', 'Mexico/General', 'NZ', 'NZ-CHAT', 'NZST', 'Navajo',
    'PDT', 'PRC', 'PST', 'PST8PDT', 'Pacific/Enderbury', 'Pacific/Johnston',
    'Pacific/Ponape', 'Pacific/Samoa', 'Pacific/Truk', 'Pacific/Yap', 'Poland', 'Portugal',
    'ROC', 'ROK', 'Singapore', 'Turkey', 'UCT', 'US/Alaska',
    'US/Aleutian', 'US/Arizona', 'US/Central', 'US/East-Indiana', 'US/Eastern', 'US/Hawaii',
    'US/Indiana-Starke', 'US/Michigan', 'US/Mountain', 'US/Pacific', 'US/Samoa', 'Universal',
    'W-SU', 'WET', 'Zulu'
);

-- Sessions open before this migration: their person, so that ending a person's sessions ends them too.
UPDATE sessions SET user_id = CAST(json_extract(data, '$.uid') AS INTEGER) WHERE user_id IS NULL;
-- Whoever has an account may have chosen their timezone: an import shows it rather than changing it.
UPDATE users SET timezone_chosen = 1 WHERE password_hash IS NOT NULL;
