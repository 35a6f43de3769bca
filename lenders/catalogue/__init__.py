"""An institution's product catalogue as a spreadsheet (XLSX or CSV), read and written with
django-import-export: its cells (`cells`), the columns and the resource (`resource`), the file (`files`) and
what an import did (`report`).

The file has one row per product and the columns of `resource.COLUMNS`, the same both ways: what the
export writes, the import reads back unchanged (a round trip). Amounts are in yuan, rates and stakes as
fractions (0.0285), dates as YYYY-MM-DD, fields and regions as their codes separated by commas, yes/no as
1/0. A row with an `id` changes that product, one without adds a product. Every row belongs to the
institution the resource is made for: it can neither name another institution's product nor move a
product elsewhere.

Row numbers are the spreadsheet's own (the header is row 1), so a person finds the row they are told of.
Applying an import is lenders/services/catalogue.py's.
"""
