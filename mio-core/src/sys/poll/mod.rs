compile_error!("the poll(2) backend is not written yet");
