"""One module per file kind: ``results`` (.eval_results/*.yaml), ``spec`` (eval.yaml),
``model_index`` (README.md front matter). ``models`` holds the pydantic models, ``schema`` the JSON
Schemas generated from them; neither is imported on the lint hook path."""
