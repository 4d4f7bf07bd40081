//! Reading a people file as HR systems and spreadsheets write it: any common encoding, any common
//! separator, line endings of any platform, quoted cells with line breaks, and column names as
//! each HR system spells them. The result names every cell's field and every row's place in the
//! file (the line a text editor shows and the row a spreadsheet shows).

use super::{ColumnInfo, ColumnSource, PersonField};
use std::collections::BTreeMap;

/// How the file's bytes were turned into text.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub text: String,
    /// The encoding's WHATWG name (`UTF-8`, `UTF-16LE`, `windows-1252`, …).
    pub encoding: &'static str,
    /// Said in the preview when the encoding had to be guessed.
    pub notice: Option<String>,
}

/// Decodes a file's bytes: a byte-order mark decides (UTF-8, UTF-16 LE/BE); otherwise valid
/// UTF-8 is UTF-8; otherwise the encoding is detected (Excel's plain "CSV" is Windows-1252 in
/// western locales) and the preview says so. Errors, in words, for bytes that contradict their
/// byte-order mark and for UTF-16 without one.
pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(format!(
                "The file starts with the mark of {} but holds bytes that are not {}; save it again as “CSV UTF-8”.",
                encoding.name(),
                encoding.name()
            ));
        }
        return Ok(Decoded { text: text.into_owned(), encoding: encoding.name(), notice: None });
    }
    // Text in UTF-16 has a zero byte beside nearly every Latin letter (and zero bytes are valid
    // UTF-8, so this comes first).
    if bytes.iter().filter(|b| **b == 0).count() * 4 > bytes.len() {
        return Err("The file looks like UTF-16 without a byte-order mark; save it again as “CSV UTF-8”.".into());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded { text: text.to_string(), encoding: "UTF-8", notice: None });
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let encoding = detector.guess(None, false);
    let (text, _, _) = encoding.decode(bytes);
    Ok(Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        notice: Some(format!(
            "The file is not UTF-8; it was read as {} (what Excel writes for plain “CSV”). Check the names in the preview; “CSV UTF-8” avoids the guess.",
            encoding.name()
        )),
    })
}

/// The most columns a people file may have.
pub const MAX_COLUMNS: usize = 500;

/// The separators tried, with how the preview names them.
pub const SEPARATORS: [(u8, &str); 4] = [(b',', "commas"), (b';', "semicolons"), (b'\t', "tabs"), (b'|', "vertical bars")];

/// Line endings as one: CRLF and a lone CR (old Mac exports) become LF, so that line numbers
/// are the ones a text editor shows.
pub fn normalise_line_endings(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn reader(text: &str, separator: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().delimiter(separator).has_headers(false).flexible(true).from_reader(text.as_bytes())
}

/// The separator of `text` (line endings normalised): the candidate that splits the header into
/// the most columns, among those that give the first rows the header's column count.
pub fn detect_separator(text: &str) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for (separator, _) in SEPARATORS {
        let mut records = reader(text, separator).into_records().take(20).filter_map(Result::ok);
        let Some(header) = records.next() else { continue };
        let width = header.len();
        let agreeing = records.filter(|r| r.len() == width).count();
        if width > 1 && (width, agreeing) > (best.1, best.2) && agreeing >= best.2 {
            best = (separator, width, agreeing);
        }
    }
    best.0
}

/// The header's spelling reduced to what HR systems agree on: lower case, letters and digits.
pub fn header_key(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The field a column header names, from the aliases common HR systems use (Workday, SAP
/// SuccessFactors, BambooHR, Personio, HiBob and spreadsheet habits). `None`: not imported
/// unless the admin maps it.
pub fn field_for_header(header: &str) -> Option<PersonField> {
    use PersonField::*;
    let key = header_key(header);
    let field = match key.as_str() {
        "name" | "fullname" | "employeename" | "displayname" | "personname" | "legalname" | "workername" => Name,
        "firstname" | "givenname" | "forename" | "first" | "preferredfirstname" => FirstName,
        "lastname" | "surname" | "familyname" | "last" => LastName,
        "email" | "emailaddress" | "workemail" | "workemailaddress" | "businessemail" | "mail" | "primaryemail"
        | "corporateemail" | "companyemail" | "officeemail" => Email,
        "employeeid" | "employeenumber" | "employeeno" | "empid" | "empno" | "staffid" | "staffnumber" | "workerid"
        | "personnelnumber" | "personid" => EmployeeId,
        "jobtitle" | "title" | "position" | "positiontitle" | "businesstitle" | "designation" | "role" | "jobrole" => JobTitle,
        "level" | "joblevel" | "grade" | "jobgrade" | "band" | "payband" | "paygrade" | "careerlevel" | "seniority"
        | "managementlevel" => Level,
        "department" | "dept" | "team" | "division" | "businessunit" | "orgunit" | "organisationalunit"
        | "organizationalunit" | "departmentname" => Department,
        "manageremail" | "reportsto" | "reportstoemail" | "supervisoremail" | "linemanageremail" | "manager"
        | "linemanager" | "supervisor" | "manageremailaddress" | "managerworkemail" => ManagerEmail,
        "location" | "office" | "city" | "worklocation" | "site" | "officelocation" | "officecity" | "worksite" => Location,
        "timezone" | "tz" | "tzname" | "ianatimezone" | "timezonename" => Timezone,
        "status" | "employmentstatus" | "employeestatus" | "workerstatus" | "active" => Status,
        _ => return None,
    };
    Some(field)
}

/// One data row of the file: where it is, and its cells by field (trimmed; a spreadsheet's
/// formula guard removed).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    /// The line the row starts on, as a text editor numbers them (the header is usually 1).
    pub line: i64,
    /// The row a spreadsheet shows it on: differs from `line` after a cell with a line break.
    pub sheet_row: i64,
    pub cells: BTreeMap<PersonField, String>,
    /// Said of the row as a whole (more cells than the header names).
    pub notes: Vec<String>,
}

/// A file read into columns and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadFile {
    pub encoding: &'static str,
    pub separator: &'static str,
    pub notices: Vec<String>,
    pub columns: Vec<ColumnInfo>,
    pub rows: Vec<FileRow>,
}

/// The value a cell holds: trimmed, and without the `'` an export puts before a leading `=`,
/// `+`, `-`, `@`, tab or CR (so that an exported file imports as it was).
pub fn cell_value(raw: &str) -> String {
    let trimmed = raw.trim();
    let formula = |s: &str| s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    match trimmed.strip_prefix('\'') {
        // The export's guard, before a formula character or before a stored guard of its own.
        Some(rest) if formula(rest) || rest.strip_prefix('\'').is_some_and(formula) => rest.trim().to_string(),
        _ => trimmed.to_string(),
    }
}

/// Reads `bytes` as a people file. `mapping` holds the admin's choices (by [`header_key`]):
/// `Some(field)` imports a column as that field, `None` leaves it out; other columns follow
/// [`field_for_header`]. At most `max_rows` data rows are read (a longer file is an error, in
/// words). Errors name what is wrong with the file as a whole: its encoding, its separator, a
/// missing email column.
pub fn read_file(bytes: &[u8], mapping: &BTreeMap<String, Option<PersonField>>, max_rows: usize) -> Result<ReadFile, String> {
    let decoded = decode(bytes)?;
    let text = normalise_line_endings(&decoded.text);
    if text.trim().is_empty() {
        return Err("The file is empty.".into());
    }
    let separator = detect_separator(&text);
    let separator_name = SEPARATORS.iter().find(|(s, _)| *s == separator).map(|(_, n)| *n).unwrap_or("commas");
    let mut records = reader(&text, separator).into_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(format!("The header line could not be read: {e}.")),
        None => return Err("The file is empty.".into()),
    };
    if header.len() > MAX_COLUMNS {
        return Err(format!("The header names {} columns; a people file has at most {MAX_COLUMNS}. Is this the right file?", header.len()));
    }
    let mut columns: Vec<ColumnInfo> = Vec::new();
    for (index, raw) in header.iter().enumerate() {
        let header = raw.trim().trim_start_matches('\u{feff}').to_string();
        let key = header_key(&header);
        let (field, source) = match mapping.get(&key) {
            Some(choice) => (*choice, ColumnSource::Remembered),
            None => (field_for_header(&header), ColumnSource::Recognised),
        };
        // One column per field: a second "Email" is listed, not imported.
        let field = field.filter(|f| !columns.iter().any(|c| c.field == Some(*f)));
        columns.push(ColumnInfo { index: index as u32, header, field, source: if field.is_some() { source } else { ColumnSource::NotImported } });
    }
    let has = |f: PersonField| columns.iter().any(|c| c.field == Some(f));
    if !has(PersonField::Email) {
        let found: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
        let mut why = format!(
            "No column holds email addresses (looked for Email, Work Email, E-mail…); the header names {}.",
            found.iter().map(|h| format!("“{h}”")).collect::<Vec<_>>().join(", ")
        );
        if columns.len() == 1 {
            why.push_str(" Only one column was found: the file may use a separator other than commas, semicolons, tabs or vertical bars.");
        }
        return Err(why);
    }
    if !has(PersonField::Name) && !(has(PersonField::FirstName) || has(PersonField::LastName)) {
        return Err("No column holds names (looked for Name, Full Name, or First Name and Last Name).".into());
    }
    let mut notices = Vec::new();
    if let Some(notice) = decoded.notice {
        notices.push(notice);
    }
    if separator != b',' {
        notices.push(format!("The file is separated by {separator_name}."));
    }
    let mut rows = Vec::new();
    // Line breaks inside the cells of earlier rows: each makes a text line but no spreadsheet row.
    let mut breaks_before = 0i64;
    // Lines are counted from where the previous row started, so the whole file is read once.
    let (mut counted_to, mut lines_before) = (0usize, 0i64);
    for record in records {
        let record = record.map_err(|e| format!("The file could not be read past {}: {e}.", e.position().map_or(0, |p| p.line())))?;
        // The reader's position is where it began reading the record, before any blank lines it
        // skipped: the record's own line is that of its first character that is not a line end.
        let offset = record.position().map_or(0, |p| p.byte() as usize).min(text.len());
        let start = offset + text[offset..].bytes().take_while(|b| *b == b'\n').count();
        lines_before += text.as_bytes()[counted_to..start].iter().filter(|b| **b == b'\n').count() as i64;
        counted_to = start;
        let line = 1 + lines_before;
        let breaks: i64 = record.iter().map(|c| c.matches('\n').count() as i64).sum();
        let sheet_row = line - breaks_before;
        breaks_before += breaks;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(format!("The file has more than {max_rows} rows; import at most {max_rows} at a time (split the file)."));
        }
        let cells = columns
            .iter()
            .filter_map(|c| Some((c.field?, cell_value(record.get(c.index as usize).unwrap_or("")))))
            .collect();
        let mut notes = Vec::new();
        let extra: Vec<&str> = record.iter().skip(columns.len()).filter(|c| !c.trim().is_empty()).collect();
        if !extra.is_empty() {
            notes.push(format!(
                "This row has {} cells where the header names {} columns; “{}” beyond them is not imported.",
                record.len(),
                columns.len(),
                extra.join("”, “")
            ));
        }
        rows.push(FileRow { line, sheet_row, cells, notes });
    }
    Ok(ReadFile { encoding: decoded.encoding, separator: separator_name, notices, columns, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use PersonField::*;

    fn read(bytes: &[u8]) -> ReadFile {
        read_file(bytes, &BTreeMap::new(), 20_000).unwrap()
    }

    #[test]
    fn an_ordinary_hr_export_is_read_by_its_own_column_names() {
        let file = read(b"Name,Email,Job Title,Job Level,Department,Manager Email,Location,Time Zone,Badge Colour\nAda VP,ada@x.com,VP,9,Sales,,Kyiv,Europe/Kyiv,red\n");
        let fields: Vec<Option<PersonField>> = file.columns.iter().map(|c| c.field).collect();
        assert_eq!(fields, vec![Some(Name), Some(Email), Some(JobTitle), Some(Level), Some(Department), Some(ManagerEmail), Some(Location), Some(Timezone), None]);
        assert_eq!(file.columns[8].source, ColumnSource::NotImported, "an unknown column is listed as not imported");
        assert_eq!(file.rows[0].cells[&Level], "9");
        assert_eq!(file.rows[0].cells[&Timezone], "Europe/Kyiv");
        for (header, field) in [("Work E-mail", Email), ("work_email", Email), ("FIRST-NAME", FirstName), ("Surname", LastName), ("Grade", Level),
            ("Band", Level), ("Dept", Department), ("Team", Department), ("Reports To", ManagerEmail), ("Supervisor Email", ManagerEmail),
            ("Office", Location), ("City", Location), ("TZ", Timezone), ("Employee ID", EmployeeId), ("Status", Status), ("Position", JobTitle)] {
            assert_eq!(field_for_header(header), Some(field), "{header}");
        }
    }

    #[test]
    fn encodings_are_read_from_the_mark_or_detected_with_a_notice() {
        let utf8_bom = read("\u{feff}name,email\nRenée,renee@x.com\n".as_bytes());
        assert_eq!((utf8_bom.encoding, utf8_bom.rows[0].cells[&Name].as_str()), ("UTF-8", "Renée"));
        assert_eq!(utf8_bom.columns[0].field, Some(Name), "the mark is not part of the first header");
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("name,email\nJörg Weiß,jorg@x.com\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let utf16 = read(&utf16);
        assert_eq!((utf16.encoding, utf16.rows[0].cells[&Name].as_str()), ("UTF-16LE", "Jörg Weiß"));
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode("name,email\nRenée Müller,renee@x.com\nJörg Weiß,jorg@x.com\n");
        let cp1252 = read(&cp1252);
        assert_eq!(cp1252.encoding, "windows-1252");
        assert_eq!(cp1252.rows[1].cells[&Name], "Jörg Weiß");
        assert!(cp1252.notices[0].contains("not UTF-8"), "{:?}", cp1252.notices);
        let no_bom: Vec<u8> = "name,email\nA,a@x.com\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(read_file(&no_bom, &BTreeMap::new(), 10).unwrap_err().contains("UTF-16"));
    }

    #[test]
    fn separators_and_line_endings_are_detected() {
        for (text, name) in [("name;email;level\r\nA;a@x.com;3\r\n", "semicolons"), ("name\temail\nA\ta@x.com\n", "tabs"), ("name|email\rA|a@x.com\r", "vertical bars"), ("name,email\nA,a@x.com", "commas")] {
            let file = read(text.as_bytes());
            assert_eq!(file.separator, name, "{text:?}");
            assert_eq!(file.rows[0].cells[&Email], "a@x.com", "{text:?}");
        }
        let semicolon_with_commas = read(b"name;email;department\nDoe, Jane;jane@x.com;R&D, Berlin\n");
        assert_eq!(semicolon_with_commas.rows[0].cells[&Name], "Doe, Jane");
        let one_column = read_file(b"name email\nA a@x.com\n", &BTreeMap::new(), 10).unwrap_err();
        assert!(one_column.contains("separator"), "{one_column}");
    }

    #[test]
    fn rows_know_their_text_line_and_spreadsheet_row() {
        let file = read(b"name,email,department\n\nAda,ada@x.com,\"Research\nand Development\"\nBo,bo@x.com,Ops\n\nCy,cy@x.com,Ops\n");
        let places: Vec<(i64, i64)> = file.rows.iter().map(|r| (r.line, r.sheet_row)).collect();
        assert_eq!(places, vec![(3, 3), (5, 4), (7, 6)], "a blank line is a row in both; a line break in a cell is a line only");
        assert_eq!(file.rows[0].cells[&Department], "Research\nand Development");
        let extra = read(b"name,email\nAda,ada@x.com,surplus\nBo,bo@x.com,\n");
        assert!(extra.rows[0].notes[0].contains("“surplus” beyond them is not imported"), "{:?}", extra.rows[0].notes);
        assert!(extra.rows[1].notes.is_empty(), "an empty trailing cell says nothing");
    }

    #[test]
    fn the_admins_mapping_wins_and_a_field_is_taken_once() {
        let mut mapping = BTreeMap::new();
        mapping.insert(header_key("Corp Mail"), Some(Email));
        mapping.insert(header_key("Title"), None);
        let file = read_file(b"Name,Corp Mail,Title,Email\nA,a@x.com,CEO,other@x.com\n", &mapping, 10).unwrap();
        let fields: Vec<Option<PersonField>> = file.columns.iter().map(|c| c.field).collect();
        assert_eq!(fields, vec![Some(Name), Some(Email), None, None]);
        assert_eq!(file.rows[0].cells[&Email], "a@x.com");
        assert!(!file.rows[0].cells.contains_key(&JobTitle));
    }

    #[test]
    fn an_exports_formula_guard_is_removed_and_too_many_rows_are_refused() {
        assert_eq!(cell_value(" '=SUM(A1) "), "=SUM(A1)");
        assert_eq!(cell_value("'-ops"), "-ops");
        assert_eq!(cell_value("'quoted'"), "'quoted'", "an ordinary apostrophe stays");
        let long = read_file(b"name,email\nA,a@x.com\nB,b@x.com\nC,c@x.com\n", &BTreeMap::new(), 2).unwrap_err();
        assert!(long.contains("more than 2 rows"), "{long}");
        assert!(read_file(b"   \n", &BTreeMap::new(), 2).unwrap_err().contains("empty"));
        assert!(read_file(b"who,what\nx,y\n", &BTreeMap::new(), 2).unwrap_err().contains("No column holds email"));
    }
}
