compile_error!("the pipe waker is not written yet");
