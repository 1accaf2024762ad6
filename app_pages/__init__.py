"""The app's views, one module each; app.py puts them on the page. They render what allocator/
computes and pass the user's edits back to it; no rule or number is computed here."""
