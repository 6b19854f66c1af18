"""Data in and out: CSV, Suomi.fi PTV and Open Referral HSDS imports, merge rules, exports."""
