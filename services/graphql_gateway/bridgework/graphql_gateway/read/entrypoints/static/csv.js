// CSV export of the page's tables, built in the browser from data already fetched:
// RFC 4180 (a header row, fields quoted when they hold a comma, quote or line break, quotes
// doubled, CRLF line ends), and the period in the file name.
"use strict";

const Csv = (() => {
  // A text cell a spreadsheet would run as a formula gets a leading apostrophe.
  const FORMULA = /^[=+\-@\t\r]/;

  function field(value) {
    if (value === null || value === undefined) return "";
    let text = String(value);
    if (typeof value === "string" && FORMULA.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function build(header, rows) {
    return [header, ...rows].map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
  }

  // bridgework-<table>-<department or organisation>-<from>_to_<to>.csv
  function fileName(table, department, period) {
    const safe = (text) => String(text).replace(/[^A-Za-z0-9._-]+/g, "-");
    return `bridgework-${safe(table)}-${safe(department || "organisation")}-${period.from}_to_${period.to}.csv`;
  }

  function download(name, header, rows) {
    const blob = new Blob([build(header, rows)], { type: "text/csv;charset=utf-8" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  return { build, fileName, download, field };
})();
