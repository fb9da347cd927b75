"""Page layouts: how an object's record page (``detail``) and its create/edit form
(``form``) arrange fields in sections, with the record page's related lists and header
highlights.

Until an administrator saves one, a layout is derived from the fields (``defaults``).
What a user is shown is the layout minus whatever they may not see (``service``): archived
fields, fields hidden from them, related lists of objects they may not read.
"""
