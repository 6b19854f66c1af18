"""Open Referral HSDS 3.0: objects, tabular package, import and the read-only API's queries."""
